/**
 * File-system helpers shared by the world and model folders: publishing a folder so that no reader ever sees it
 * half-written. No formats live here; those belong to their packages.
 */
package adsml.platform.io;
