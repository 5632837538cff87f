/**
 * The HTTP edge: request validation now, and the Pekko HTTP routes next (issue 3). Bad input becomes a
 * {@code BadRequestException} with a reason naming the field; nothing here ranks.
 */
package adsml.http;
