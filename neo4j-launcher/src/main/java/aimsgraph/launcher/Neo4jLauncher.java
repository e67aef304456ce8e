package aimsgraph.launcher;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

/**
 * Starts a fresh, empty, throwaway Neo4j for tests: Bolt on the given address (default
 * 127.0.0.1:7687), no authentication, HTTP off. The database lives in a temporary directory that
 * is deleted on exit. Prints "READY bolt://host:port" once Bolt accepts connections, then runs
 * until it receives SIGTERM/SIGINT.
 */
public final class Neo4jLauncher {
    public static void main(String[] args) throws Exception {
        String host = System.getProperty("bolt.host", "127.0.0.1");
        int port = Integer.getInteger("bolt.port", 7687);
        long pageCacheMb = Long.getLong("pagecache.mb", 256);

        Path work = Files.createTempDirectory("aimsgraph-neo4j-");
        Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(work)
                .withDisabledServer()
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                .withConfig(GraphDatabaseSettings.transaction_timeout, java.time.Duration.ofMinutes(30))
                // An aimsgraph import is one transaction (atomic); let it use the heap rather
                // than the default 70% cap, so large test imports fit without tuning.
                .withConfig(GraphDatabaseSettings.memory_transaction_global_max_size, 0L)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            neo4j.close();
            stopped.countDown();
        }, "neo4j-shutdown"));

        System.out.println("READY " + neo4j.boltURI());
        System.out.flush();
        stopped.await();
    }
}
