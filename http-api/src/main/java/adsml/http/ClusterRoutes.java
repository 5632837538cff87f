package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import adsml.actors.cluster.ClusterNode;
import adsml.actors.cluster.IndexPartitions;
import adsml.actors.cluster.NodeAgent;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /admin/api/cluster}: the members as this node sees them, every reachable node's version, readiness and
 * load, and the version the cluster serves. On a single node: {@code enabled: false} and nothing else.
 */
public final class ClusterRoutes {
    /**
     * @param self this node's name ({@code host:port} of its remoting address)
     * @param servedVersion the version of the served model the cluster's rollouts last left, as a majority holds it
     * @param layout in the flat layout, this node's partition, the partitions it finds and how many of its retrievals
     *     missed one; null in the grouped layout
     */
    public record ClusterView(
            boolean enabled,
            String self,
            String servedVersion,
            List<ClusterNode.MemberView> members,
            List<NodeAgent.NodeStatus> nodes,
            IndexPartitions.Status layout) {}

    private final Optional<ClusterNode> node;
    private final String modelName;
    private final Executor blocking;

    /**
     * @param modelName the served model's name, whose cluster version is shown
     * @param blocking where the answer is put together
     */
    public ClusterRoutes(Optional<ClusterNode> node, String modelName, Executor blocking) {
        this.node = node;
        this.modelName = modelName;
        this.blocking = blocking;
    }

    /** Under {@code /admin/api}, behind the admin credential. */
    public Route routes() {
        return path(
                "cluster",
                () -> get(() -> node.isEmpty()
                        ? complete(JsonResponses.ok(new ClusterView(false, null, null, List.of(), List.of(), null)))
                        : completeWithFuture(node.get()
                                .rollout()
                                .statuses()
                                .thenCombineAsync(
                                        node.get().rollout().clusterVersion(),
                                        (nodes, served) -> JsonResponses.ok(new ClusterView(
                                                true,
                                                node.get().name(),
                                                served.map(v -> modelName + "/" + v)
                                                        .orElse(null),
                                                node.get().members(),
                                                nodes,
                                                node.get().layout().orElse(null))),
                                        blocking)
                                .exceptionally(ErrorMapping::toResponse))));
    }
}
