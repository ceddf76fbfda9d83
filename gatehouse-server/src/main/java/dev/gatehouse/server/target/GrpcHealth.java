package dev.gatehouse.server.target;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * gRPC's health protocol, by hand: the one call {@code grpc.health.v1.Health/Check} and its two tiny
 * protobuf messages, {@code HealthCheckRequest { string service = 1; }} and
 * {@code HealthCheckResponse { ServingStatus status = 1; }} (SERVING is 1), each in gRPC's 5-byte
 * length-prefixed framing. A target is healthy when it answers {@code 200}, {@code grpc-status 0} and
 * SERVING.
 *
 * <p>Stateless except {@link Answer}, which one probe owns.
 */
final class GrpcHealth {
    static final String PATH = "/grpc.health.v1.Health/Check";
    static final int SERVING = 1;
    /** Longest answer read: a HealthCheckResponse is a few bytes. */
    private static final int MAX_ANSWER = 1024;

    private GrpcHealth() {}

    /** The Check call for {@code service} ("" for the whole server). */
    static FullHttpRequest request(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        if (name.length > 0) {
            message.write(0x0a); // field 1, length-delimited
            writeVarint(message, name.length);
            message.writeBytes(name);
        }
        byte[] body = message.toByteArray();
        ByteBuf framed = Unpooled.buffer(5 + body.length);
        framed.writeByte(0).writeInt(body.length).writeBytes(body);
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, PATH, framed);
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc")
                .set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        return req;
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        while ((value & ~0x7f) != 0) {
            out.write((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /** The answer to one Check, as it arrives. */
    static final class Answer {
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        String grpcStatus;

        void body(ByteBuf content) {
            int n = Math.min(content.readableBytes(), MAX_ANSWER - body.size());
            if (n > 0) {
                byte[] bytes = new byte[n];
                content.getBytes(content.readerIndex(), bytes);
                body.writeBytes(bytes);
            }
        }

        /** The serving status in the answer's message, or -1 when there is none. */
        int servingStatus() {
            byte[] b = body.toByteArray();
            if (b.length < 5 || b[0] != 0) {
                return -1; // no message, or a compressed one
            }
            int end = Math.min(b.length, 5 + (((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff)));
            int status = 0; // proto3: an absent field is 0, UNKNOWN
            int i = 5;
            while (i < end) {
                int tag = b[i++] & 0xff;
                int wireType = tag & 7;
                long value = 0;
                if (wireType == 0 || wireType == 2) {
                    int shift = 0;
                    while (i < end) {
                        int x = b[i++] & 0xff;
                        value |= (long) (x & 0x7f) << shift;
                        shift += 7;
                        if ((x & 0x80) == 0) {
                            break;
                        }
                    }
                } else {
                    return -1; // not a HealthCheckResponse
                }
                if (wireType == 2) {
                    i += (int) value;
                } else if (tag >>> 3 == 1) {
                    status = (int) value;
                }
            }
            return status;
        }

        /** Whether the answer says SERVING; otherwise {@link #why(int)} says what it said. */
        boolean serving(int httpStatus) {
            return httpStatus == 200 && "0".equals(grpcStatus) && servingStatus() == SERVING;
        }

        String why(int httpStatus) {
            if (httpStatus != 200) {
                return "status " + httpStatus;
            }
            if (!"0".equals(grpcStatus)) {
                return "grpc-status " + grpcStatus;
            }
            return "serving status " + switch (servingStatus()) {
                case 0 -> "UNKNOWN";
                case 2 -> "NOT_SERVING";
                case 3 -> "SERVICE_UNKNOWN";
                default -> "missing";
            };
        }
    }
}
