/**
 * The load generator behind {@code adsml load}: seeded {@code /v1/rank} bodies, an open-loop scheduler that measures
 * from each request's intended send time, closed-loop clients, and the HdrHistogram report. No command-line parsing
 * lives here (that is {@code adsml.cli.LoadCommand}).
 */
package adsml.load;
