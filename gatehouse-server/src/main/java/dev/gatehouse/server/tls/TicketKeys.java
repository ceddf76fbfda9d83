package dev.gatehouse.server.tls;

import dev.gatehouse.server.config.ConfigException;
import dev.gatehouse.server.config.ConfigLocation;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The session-ticket keys of {@code tls.session_resumption.ticket_keys}: a binary file of one or more
 * 48-byte keys, each a 16-byte name, a 16-byte HMAC-SHA256 key and a 16-byte AES-128 key (BoringSSL's
 * ticket key, and the layout of nginx's 48-byte {@code ssl_session_ticket_key} files). The first key
 * encrypts new tickets; every key decrypts tickets whose name it carries, so a new key can be put in front
 * of the old one while tickets sealed with the old one are still honoured. {@code openssl rand 48} makes
 * one key.
 */
public final class TicketKeys {
    /** Bytes of one key: name, HMAC key, AES key. */
    public static final int KEY_BYTES = OpenSslSessionTicketKey.NAME_SIZE + OpenSslSessionTicketKey.HMAC_KEY_SIZE
            + OpenSslSessionTicketKey.AES_KEY_SIZE;
    /** More keys than anyone rotates through; bounds what a wrong file can make us hold. */
    static final int MAX_KEYS = 64;

    private TicketKeys() {}

    /**
     * Reads the keys of {@code file}, the first being the one that encrypts.
     *
     * @param at where the file is named in the configuration
     * @throws ConfigException naming the file and what is wrong with it (its size, a repeated key name)
     */
    public static OpenSslSessionTicketKey[] load(Path file, ConfigLocation at) throws ConfigException {
        byte[] bytes;
        try {
            if (Files.size(file) > (long) KEY_BYTES * MAX_KEYS) {
                throw new ConfigException(at, "ticket_keys " + file + ": " + Files.size(file) + " bytes, more than "
                        + MAX_KEYS + " keys of " + KEY_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(at, "ticket_keys " + file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(bytes, file, at);
    }

    static OpenSslSessionTicketKey[] parse(byte[] bytes, Path file, ConfigLocation at) throws ConfigException {
        if (bytes.length == 0 || bytes.length % KEY_BYTES != 0) {
            throw new ConfigException(at, "ticket_keys " + file + ": " + bytes.length + " bytes, not a multiple of "
                    + KEY_BYTES + " (expected: one or more keys of " + KEY_BYTES + " bytes, each a 16-byte name, a"
                    + " 16-byte HMAC key and a 16-byte AES key; make one with: openssl rand " + KEY_BYTES + ")");
        }
        OpenSslSessionTicketKey[] keys = new OpenSslSessionTicketKey[bytes.length / KEY_BYTES];
        Set<String> names = new HashSet<>();
        for (int i = 0; i < keys.length; i++) {
            int at0 = i * KEY_BYTES;
            int hmacAt = at0 + OpenSslSessionTicketKey.NAME_SIZE;
            int aesAt = hmacAt + OpenSslSessionTicketKey.HMAC_KEY_SIZE;
            byte[] name = Arrays.copyOfRange(bytes, at0, hmacAt);
            if (!names.add(Arrays.toString(name))) {
                throw new ConfigException(at, "ticket_keys " + file + ": key " + (i + 1) + " (bytes " + at0 + "-"
                        + (at0 + KEY_BYTES - 1) + ") repeats the name of an earlier key (expected: a distinct"
                        + " 16-byte name per key)");
            }
            keys[i] = new OpenSslSessionTicketKey(name, Arrays.copyOfRange(bytes, hmacAt, aesAt),
                    Arrays.copyOfRange(bytes, aesAt, at0 + KEY_BYTES));
        }
        return keys;
    }
}
