/**
 * The world folder: the data set that serving loads and the offline tools write and read (advertisers, campaigns, ads,
 * users and two impression logs, as CSV files beside {@code world.json}). {@link adsml.platform.world.WorldFiles} reads
 * and writes it; {@link adsml.platform.world.World} holds it checked. Generating a world lives in
 * {@code offline.generator}; the types it holds live in {@code domain}.
 */
package adsml.platform.world;
