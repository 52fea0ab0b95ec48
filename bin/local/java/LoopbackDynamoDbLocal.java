import java.lang.reflect.Field;
import java.util.Set;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Starts DynamoDB Local (Amazon's jar, unchanged) listening on the loopback interface only.
 *
 * <p>The jar's own entry point builds its Jetty server with {@code new Server(port)}, which binds
 * every interface, and has no option to choose one. This launcher takes the same arguments, builds
 * the same server through {@code ServerRunner.createServerFromCommandLineArgs}, and before starting
 * it sets the connector's host to 127.0.0.1 and refuses any request whose Host header is not a
 * loopback name (a web page that rebinds its own host name to 127.0.0.1) or that has an Origin. It never configures
 * DynamoDB Local's telemetry, so nothing is sent anywhere. Run by {@code bin/local/dynamodb-local.ts}
 * in Java's source-file mode: {@code java -cp <jars> LoopbackDynamoDbLocal.java -port N ...}.
 */
public final class LoopbackDynamoDbLocal {
  private static final String LOOPBACK = "127.0.0.1";
  private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  public static void main(String[] args) throws Exception {
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost(LOOPBACK);
    }
    server.setHandler(new LoopbackHostOnly(server.getHandler()));
    proxy.start();
  }

  /**
   * Answers 403, before DynamoDB sees it, to a request that names a host other than loopback or
   * that comes from a web page (it has an Origin: no page has a reason to call the store).
   */
  private static final class LoopbackHostOnly extends Handler.Wrapper {
    LoopbackHostOnly(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      String host = request.getHttpURI().getHost();
      boolean fromPage = request.getHeaders().get("Origin") != null;
      if (fromPage || host == null || !LOOPBACK_NAMES.contains(host.toLowerCase())) {
        Response.writeError(request, response, callback, 403);
        return true;
      }
      return super.handle(request, response, callback);
    }
  }
}
