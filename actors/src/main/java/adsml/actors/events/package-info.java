/**
 * Event ingestion: impressions, clicks and conversions appended durably to the event log before they are acknowledged,
 * and counted. Parsing events from HTTP lives in {@code http-api}.
 */
package adsml.actors.events;
