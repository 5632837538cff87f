/**
 * The deployable's assembly: opens the data folder (world, user store, models, event log), builds the scheduler, index
 * and actor system, binds the public and admin listeners and activates the newest model. Routes live in
 * {@code adsml.http}, commands in {@code adsml.cli}.
 */
package adsml.server;
