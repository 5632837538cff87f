/**
 * Event ingestion: impressions, clicks and conversions appended durably and once each (by event id) to the event log, a
 * set of size-bounded segments, before they are acknowledged; today's spend they hold read back at start, from a
 * snapshot taken at each seal and the segments after it. Parsing events from HTTP and charging budgets live in
 * {@code http-api}.
 */
package adsml.actors.events;
