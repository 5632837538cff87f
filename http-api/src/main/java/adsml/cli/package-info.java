/**
 * The {@code adsml} command line: one class per subcommand, parsing its options and calling into {@code platform}.
 * Nothing here computes; HTTP routes will live beside it in their own package.
 */
package adsml.cli;
