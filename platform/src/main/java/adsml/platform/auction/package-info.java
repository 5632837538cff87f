/**
 * The auction: eCPM from bids and predicted rates, the reserve, generalized second-price allocation and pricing, and a
 * reason for every loser. Scoring, retrieval and charging budgets live elsewhere; an auction only decides who shows
 * where and at what price.
 */
package adsml.platform.auction;
