/**
 * The demo's simulated users: rank requests against the running API, clicks and conversions drawn from the world's
 * ground truth, posted back as events. A client of the HTTP API only.
 */
package adsml.demo;
