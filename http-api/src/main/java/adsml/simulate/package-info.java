/**
 * {@code adsml simulate}: a day of the marketplace in minutes. A server is started in-process on a copy of a data
 * folder with a clock the simulation moves; simulated users ask {@code /v1/rank} over HTTP at the times the traffic
 * curve gives them, and their impressions, clicks and conversions, drawn from the world's ground truth, go back through
 * {@code /v1/events}. Budgets, pacing, frequency caps and counters all live on the simulated clock.
 */
package adsml.simulate;
