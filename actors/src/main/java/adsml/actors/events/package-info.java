/**
 * Event ingestion: impressions, clicks and conversions appended durably and once each (by event id) to the event log, a
 * set of size-bounded segments, before they are acknowledged; the spend they hold read back at start. Parsing events
 * from HTTP and charging budgets live in {@code http-api}.
 */
package adsml.actors.events;
