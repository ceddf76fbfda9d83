/**
 * Reads the YAML configuration into immutable, validated records, with errors naming the file, line
 * and key; loads no certificate, key or CRL (building the runtime state does).
 */
package dev.gatehouse.server.config;
