package adsml.actors.cluster;

import org.apache.pekko.actor.Address;

/** A node's name in the cluster: the {@code host:port} of its remoting address, the same across its restarts. */
public final class Names {
    private Names() {}

    public static String of(Address address) {
        return address.getHost().orElse("local") + ":"
                + address.getPort().map(String::valueOf).orElse("0");
    }
}
