package dev.gatehouse.ca;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Set;

/** Random serial numbers for new certificates. */
final class Serials {
    /** 16 random bytes: 127 bits of entropy once the sign bit is cleared, well inside RFC 5280's 20 octets. */
    static final int BYTES = 16;

    private Serials() {
    }

    /** A positive random serial not in {@code taken}. */
    static BigInteger random(SecureRandom random, Set<BigInteger> taken) {
        while (true) {
            byte[] b = new byte[BYTES];
            random.nextBytes(b);
            b[0] &= 0x7f;
            BigInteger s = new BigInteger(1, b);
            if (s.signum() > 0 && !taken.contains(s)) {
                return s;
            }
        }
    }
}
