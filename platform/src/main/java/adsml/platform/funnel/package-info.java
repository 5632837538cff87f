/**
 * The ranking funnel between retrieval and the heavy model: a light model that cuts a wide retrieval to the few the
 * heavy model scores.
 */
package adsml.platform.funnel;
