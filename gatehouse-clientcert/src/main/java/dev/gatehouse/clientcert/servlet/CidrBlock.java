package dev.gatehouse.clientcert.servlet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address range in CIDR notation, such as {@code 10.0.0.0/8}, {@code 127.0.0.1/32}
 * or {@code fd00::/8}. A bare address ({@code 192.0.2.7}, {@code ::1}) is a range of one address.
 *
 * <p>Parsing never consults DNS: only address literals are accepted. An IPv4 address matches an
 * IPv4 block also when written as an IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}).
 * Instances are immutable.
 */
public final class CidrBlock {

    private final byte[] network;
    private final int prefixLength;

    private CidrBlock(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix} or a bare address.
     *
     * @throws IllegalArgumentException saying what was expected, e.g. for host bits set:
     *                                  {@code "10.0.0.1/8: host bits are set (expected: 10.0.0.0/8)"}
     */
    public static CidrBlock parse(String cidr) {
        if (cidr == null) {
            throw new IllegalArgumentException("CIDR block: null (expected: e.g. 10.0.0.0/8)");
        }
        String s = cidr.trim();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        byte[] address = parseLiteral(addressPart).map(InetAddress::getAddress).orElseThrow(() ->
                new IllegalArgumentException("CIDR block: '" + cidr + "' (expected: an IP address literal with an"
                        + " optional /prefix, e.g. 10.0.0.0/8 or fd00::/8)"));
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            try {
                prefix = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max || p.startsWith("+")) {
                throw new IllegalArgumentException("CIDR block: '" + cidr + "': prefix '" + p
                        + "' (expected: 0 to " + max + ")");
            }
        }
        byte[] network = mask(address, prefix);
        if (!Arrays.equals(network, address)) {
            throw new IllegalArgumentException("CIDR block: '" + cidr + "': host bits are set (expected: "
                    + toString(network, prefix) + ")");
        }
        return new CidrBlock(network, prefix);
    }

    /**
     * Parses an IP address literal without DNS: dotted-quad IPv4 or IPv6 (optionally in brackets).
     * Empty if {@code literal} is not one.
     */
    public static Optional<InetAddress> parseLiteral(String literal) {
        if (literal == null || literal.isEmpty()) {
            return Optional.empty();
        }
        String s = literal;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        try {
            if (s.indexOf(':') >= 0) {
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
                    if (!ok) {
                        return Optional.empty();
                    }
                }
                return Optional.of(InetAddress.getByName(s));
            }
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return Optional.empty();
            }
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                String part = parts[i];
                if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                    return Optional.empty();
                }
                int v = Integer.parseInt(part);
                if (v > 255) {
                    return Optional.empty();
                }
                bytes[i] = (byte) v;
            }
            return Optional.of(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code address} lies in this block; addresses of the other family never do. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        return Arrays.equals(mask(a, prefixLength), network);
    }

    /**
     * Whether the address literal (as {@code ServletRequest.getRemoteAddr()} returns it) lies in
     * this block; {@code false} for anything that is not an address literal.
     */
    public boolean contains(String addressLiteral) {
        return parseLiteral(addressLiteral).map(this::contains).orElse(false);
    }

    /** The prefix length: 0 to 32 for IPv4, 0 to 128 for IPv6. */
    public int prefixLength() {
        return prefixLength;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xff << (8 - bits));
        }
        return out;
    }

    private static String toString(byte[] network, int prefix) {
        return format(network) + "/" + prefix;
    }

    /** An address in its usual text form: dotted quad, or IPv6 with the longest run of zero groups as {@code ::} (RFC 5952). */
    static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((address[2 * i] & 0xff) << 8) | (address[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrBlock && prefixLength == ((CidrBlock) o).prefixLength
                && Arrays.equals(network, ((CidrBlock) o).network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** The canonical form, e.g. {@code 10.0.0.0/8} or {@code fd00::/8}. */
    @Override
    public String toString() {
        return toString(network, prefixLength);
    }
}
