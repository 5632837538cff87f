/**
 * One rank request's journey: a coordinator per request asks the retriever (user lookup and
 * candidate ads), the feature assembler (one columnar batch), the batching scheduler (scores) and
 * runs the auction, timing each stage against the request's deadline. HTTP lives in
 * {@code http-api}; the scoring backends in {@code gpu-scheduler}.
 */
package adsml.actors.ranking;
