/**
 * The feature log: every served row written off the request path into Parquet files that pandas and PyTorch read
 * without adsml, read back for the trainer, and joined with clicks and conversions into training examples. Parquet's
 * Java library is used without Hadoop (files are local), and no server wiring or configuration reading lives here.
 */
package adsml.platform.featurelog;
