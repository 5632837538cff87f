/**
 * JMH benchmarks, run on purpose with {@code tests/bench}, never by the test suite. Results and the commands that made
 * them go to BENCHMARKS.md.
 */
package adsml.bench;
