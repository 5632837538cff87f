/**
 * Candidate retrieval: the {@link adsml.platform.index.AdIndex} of servable ads (targeting filter, pause flags,
 * embedding top-K) and the {@link adsml.platform.index.BudgetTracker} of daily spend that decides which campaigns may
 * still serve. Scoring, pricing and the auction live elsewhere; this package only answers "which ads may this user see,
 * best guess first".
 */
package adsml.platform.index;
