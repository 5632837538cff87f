/**
 * The ads domain: advertisers, campaigns with their bids and targeting, ads, users, the request context, and the closed
 * vocabularies they are described in. Plain immutable values, read by every other package; nothing here ranks, stores
 * or generates.
 */
package adsml.platform.domain;
