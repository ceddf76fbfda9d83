package dev.gatehouse.server.connection;

import java.util.concurrent.ThreadLocalRandom;

/** Connection trace ids: {@code TID_} followed by 32 lower-case hex digits. */
public final class TraceIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TraceIds() {}

    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] c = new char[36];
        c[0] = 'T';
        c[1] = 'I';
        c[2] = 'D';
        c[3] = '_';
        long a = r.nextLong();
        long b = r.nextLong();
        for (int i = 0; i < 16; i++) {
            c[4 + i] = HEX[(int) (a >>> (60 - 4 * i)) & 0xf];
            c[20 + i] = HEX[(int) (b >>> (60 - 4 * i)) & 0xf];
        }
        return new String(c);
    }
}
