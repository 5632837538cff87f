/**
 * One rank request's journey: a coordinator (one per core, many requests in flight each) sends it to a retriever (user
 * lookup and candidate ads), which hands the candidates to a feature assembler (one columnar batch), which hands the
 * batch to the batching scheduler and answers the coordinator with the scores; the coordinator runs the auction, timing
 * each stage against the request's deadline. HTTP lives in {@code http-api}; the scoring backends in
 * {@code gpu-scheduler}.
 */
package adsml.actors.ranking;
