package dev.gatehouse.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * What Gatehouse knows of gRPC: which requests are gRPC calls, their deadline, and the gRPC status that
 * stands for each error Gatehouse answers itself.
 *
 * <h2>Statuses</h2>
 * A gRPC client reads only {@code grpc-status}, so every answer of Gatehouse's own to a call (a request
 * with {@code content-type: application/grpc...}) is {@code 200} with a status: {@code 14 UNAVAILABLE}
 * when no target could take the call (refused, unreachable, connect timeout, closed, reset),
 * {@code 4 DEADLINE_EXCEEDED} when the target did not answer within the group's {@code timeouts.response}
 * or the call's {@code grpc-timeout}, {@code 7 PERMISSION_DENIED} for a {@code deny} rule, and the gRPC
 * project's mapping of the HTTP status otherwise ({@code 13 INTERNAL} for a malformed request, ...).
 *
 * <h2>Threading</h2>
 * Stateless; any thread.
 */
final class GrpcCalls {
    static final AsciiString CONTENT_TYPE = AsciiString.cached("application/grpc");
    static final AsciiString STATUS = AsciiString.cached("grpc-status");
    static final AsciiString MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString TIMEOUT = AsciiString.cached("grpc-timeout");

    static final int INTERNAL = 13;
    static final int UNAVAILABLE = 14;
    static final int DEADLINE_EXCEEDED = 4;
    static final int PERMISSION_DENIED = 7;
    static final int UNAUTHENTICATED = 16;
    static final int UNIMPLEMENTED = 12;
    static final int UNKNOWN = 2;

    private GrpcCalls() {}

    /** Marks {@code ex} as a gRPC call (and reads its deadline) when its content type says it is one. */
    static void recognise(Exchange ex, HttpHeaders headers) {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.regionMatches(true, 0, "application/grpc", 0, 16)) {
            return;
        }
        ex.grpc = true;
        String timeout = headers.get(TIMEOUT);
        if (timeout != null) {
            ex.grpcTimeoutMillis = timeoutMillis(timeout);
        }
    }

    /**
     * A {@code grpc-timeout} value (at most 8 digits and a unit: {@code H M S m u n}) in milliseconds,
     * rounded up; -1 when it is not one.
     */
    static long timeoutMillis(String value) {
        int n = value.length();
        if (n < 2 || n > 9) {
            return -1;
        }
        long amount = 0;
        for (int i = 0; i < n - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            amount = amount * 10 + (c - '0');
        }
        return switch (value.charAt(n - 1)) {
            case 'H' -> amount * 3_600_000L;
            case 'M' -> amount * 60_000L;
            case 'S' -> amount * 1_000L;
            case 'm' -> amount;
            case 'u' -> (amount + 999) / 1_000L;
            case 'n' -> (amount + 999_999) / 1_000_000L;
            default -> -1;
        };
    }

    /** The gRPC status for an error Gatehouse answers with {@code status} for {@code reason}. */
    static int status(HttpResponseStatus status, String reason) {
        return switch (status.code()) {
            case 400, 413, 414, 431 -> INTERNAL;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404, 501 -> UNIMPLEMENTED;
            case 408 -> DEADLINE_EXCEEDED;
            case 429, 502, 503 -> UNAVAILABLE;
            case 504 -> TargetSide.CONNECT_TIMEOUT.equals(reason) ? UNAVAILABLE : DEADLINE_EXCEEDED;
            default -> UNKNOWN;
        };
    }

    /** {@code grpc-message} form: UTF-8, with bytes outside printable ASCII and {@code %} percent-encoded. */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder b = new StringBuilder(bytes.length);
        for (byte x : bytes) {
            int c = x & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }
}
