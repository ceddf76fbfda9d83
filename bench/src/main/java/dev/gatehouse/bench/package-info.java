/**
 * JMH benchmarks of the gateway's hot paths (verifier, signatures, identity headers, routing), with a
 * PKI made at run time; what each figure means is in {@code bench/README.md}.
 */
package dev.gatehouse.bench;
