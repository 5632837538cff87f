package adsml.actors.cluster;

/**
 * A message or replicated value that crosses between nodes: bound to Pekko's Jackson CBOR serializer in
 * {@code adsml/cluster.conf}. Records only, of plain values and actor references.
 */
public interface ClusterSerializable {}
