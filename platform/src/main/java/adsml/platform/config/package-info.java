/**
 * Reading configuration: each module's settings record reads its own section of the HOCON configuration through
 * {@link adsml.platform.config.SettingsReader}, which names the key in every error. The keys and their defaults live in
 * each module's {@code reference.conf}, not here.
 */
package adsml.platform.config;
