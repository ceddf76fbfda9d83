/**
 * Judges certificate chains: PEM/DER reading, trust stores (anchors, CRLs, limits), the verifier
 * with its step-by-step verdicts and failure codes, and the one formatter of certificate names,
 * serials and dates.
 */
package dev.gatehouse.pki;
