package dev.gatehouse.pki;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The little DER this module needs where the JDK offers no parsed view: name attributes with their
 * string types, name constraints, SEC1 and PKCS#1 keys. Not a general ASN.1 library; strict DER only.
 */
final class Der {
    static final int BOOLEAN = 0x01;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    private Der() {}

    /** One TLV: {@code tag} is the full identifier octet (single-byte tags only). */
    static final class Value {
        final int tag;
        final byte[] buf;
        final int start; // start of the TLV
        final int contentStart;
        final int end; // end of the TLV (exclusive)

        Value(int tag, byte[] buf, int start, int contentStart, int end) {
            this.tag = tag;
            this.buf = buf;
            this.start = start;
            this.contentStart = contentStart;
            this.end = end;
        }

        byte[] content() {
            return Arrays.copyOfRange(buf, contentStart, end);
        }

        byte[] encoded() {
            return Arrays.copyOfRange(buf, start, end);
        }

        int contentLength() {
            return end - contentStart;
        }

        boolean isConstructed() {
            return (tag & 0x20) != 0;
        }

        /** Tag number of a context-specific tag ({@code [n]}), or -1. */
        int contextTag() {
            return (tag & 0xc0) == 0x80 ? tag & 0x1f : -1;
        }

        List<Value> children() throws DerException {
            List<Value> out = new ArrayList<>();
            int p = contentStart;
            while (p < end) {
                Value v = read(buf, p, end);
                out.add(v);
                p = v.end;
            }
            return out;
        }

        String oid() throws DerException {
            if (tag != OID) {
                throw new DerException("expected OBJECT IDENTIFIER, found tag 0x" + Integer.toHexString(tag));
            }
            return oidString(buf, contentStart, end);
        }

        BigInteger integer() throws DerException {
            if (tag != INTEGER || contentLength() == 0) {
                throw new DerException("expected INTEGER");
            }
            return new BigInteger(content());
        }
    }

    static final class DerException extends Exception {
        private static final long serialVersionUID = 1L;

        DerException(String message) {
            super(message);
        }
    }

    static Value read(byte[] der) throws DerException {
        Value v = read(der, 0, der.length);
        if (v.end != der.length) {
            throw new DerException("trailing data after DER value");
        }
        return v;
    }

    static Value read(byte[] buf, int start, int limit) throws DerException {
        if (start + 2 > limit) {
            throw new DerException("truncated DER");
        }
        int tag = buf[start] & 0xff;
        if ((tag & 0x1f) == 0x1f) {
            throw new DerException("multi-byte tags are not supported");
        }
        int p = start + 1;
        int len = buf[p++] & 0xff;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 4 || p + n > limit) {
                throw new DerException("bad DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (buf[p++] & 0xff);
            }
            if (len < 0) {
                throw new DerException("bad DER length");
            }
        }
        if (p + len > limit || p + len < p) {
            throw new DerException("truncated DER");
        }
        return new Value(tag, buf, start, p, p + len);
    }

    static String oidString(byte[] b, int from, int to) throws DerException {
        if (from >= to) {
            throw new DerException("empty OBJECT IDENTIFIER");
        }
        StringBuilder sb = new StringBuilder();
        BigInteger v = BigInteger.ZERO;
        boolean first = true;
        for (int i = from; i < to; i++) {
            v = v.shiftLeft(7).or(BigInteger.valueOf(b[i] & 0x7f));
            if ((b[i] & 0x80) == 0) {
                if (first) {
                    int x = v.compareTo(BigInteger.valueOf(80)) >= 0 ? 2 : v.intValue() / 40;
                    sb.append(x).append('.').append(v.subtract(BigInteger.valueOf(40L * x)));
                    first = false;
                } else {
                    sb.append('.').append(v);
                }
                v = BigInteger.ZERO;
            } else if (i == to - 1) {
                throw new DerException("truncated OBJECT IDENTIFIER");
            }
        }
        return sb.toString();
    }

    // --- writing -----------------------------------------------------------------------------

    static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream(c.length + 6);
        out.write(tag);
        int len = c.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(c);
        return out.toByteArray();
    }

    static byte[] sequence(byte[]... parts) {
        return tlv(SEQUENCE, parts);
    }

    static byte[] integer(long v) {
        return tlv(INTEGER, BigInteger.valueOf(v).toByteArray());
    }

    static byte[] octetString(byte[] content) {
        return tlv(OCTET_STRING, content);
    }

    static byte[] nullValue() {
        return new byte[] {NULL, 0};
    }

    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encodeBase128(out, new BigInteger(parts[0]).multiply(BigInteger.valueOf(40)).add(new BigInteger(parts[1])));
        for (int i = 2; i < parts.length; i++) {
            encodeBase128(out, new BigInteger(parts[i]));
        }
        return tlv(OID, out.toByteArray());
    }

    private static void encodeBase128(ByteArrayOutputStream out, BigInteger v) {
        int groups = Math.max(1, (v.bitLength() + 6) / 7);
        for (int g = groups - 1; g >= 0; g--) {
            int b = v.shiftRight(7 * g).intValue() & 0x7f;
            out.write(g == 0 ? b : b | 0x80);
        }
    }
}
