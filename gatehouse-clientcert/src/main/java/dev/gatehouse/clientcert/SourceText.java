package dev.gatehouse.clientcert;

import java.util.Arrays;

/**
 * Text derived from a header value (unquoted, percent-decoded, ...) that remembers, for each
 * character, its offset in the value as received, so that errors can point at the original input.
 */
final class SourceText {

    private final String text;
    /** origin[i] is the received offset of text.charAt(i); origin[length] is the end offset. */
    private final int[] origin;

    private SourceText(String text, int[] origin) {
        this.text = text;
        this.origin = origin;
    }

    static SourceText of(String value) {
        int[] origin = new int[value.length() + 1];
        for (int i = 0; i < origin.length; i++) {
            origin[i] = i;
        }
        return new SourceText(value, origin);
    }

    int length() {
        return text.length();
    }

    char charAt(int index) {
        return text.charAt(index);
    }

    /** Received offset of the character at {@code index}; {@code index == length()} gives the end. */
    int offsetOf(int index) {
        return origin[index];
    }

    SourceText sub(int from, int to) {
        return new SourceText(text.substring(from, to), Arrays.copyOfRange(origin, from, to + 1));
    }

    boolean startsWith(String prefix, int at) {
        return text.startsWith(prefix, at);
    }

    int indexOf(String needle, int from) {
        return text.indexOf(needle, from);
    }

    @Override
    public String toString() {
        return text;
    }

    /** Builds a derived text one character at a time. */
    static final class Builder {
        private final StringBuilder chars;
        private int[] origin;
        private int endOffset;

        Builder(int capacity) {
            chars = new StringBuilder(capacity);
            origin = new int[capacity + 1];
        }

        void append(char c, int receivedOffset) {
            int n = chars.length();
            if (n + 1 >= origin.length) {
                origin = Arrays.copyOf(origin, origin.length * 2 + 2);
            }
            chars.append(c);
            origin[n] = receivedOffset;
        }

        void end(int receivedEndOffset) {
            endOffset = receivedEndOffset;
        }

        int length() {
            return chars.length();
        }

        SourceText build() {
            int n = chars.length();
            int[] o = Arrays.copyOf(origin, n + 1);
            o[n] = endOffset;
            return new SourceText(chars.toString(), o);
        }
    }
}
