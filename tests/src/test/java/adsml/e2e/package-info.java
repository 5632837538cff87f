/**
 * End-to-end tests of the serving layer: a whole server started on a tiny generated data folder, driven over loopback
 * HTTP as a client and an operator would. Unit tests of each part live in its own module, not here.
 */
package adsml.e2e;
