/**
 * The architecture test: the dependency rule between modules and packages, serving kept apart from offline code, and
 * each library (JCuda, DJL, Pekko) kept behind its adapter. docs/ARCHITECTURE.md states the same rules in words.
 */
package adsml.architecture;
