/**
 * The private CA behind {@code gatehouse ca}: a root or intermediate whose state lives in one directory,
 * issuing client and server certificates, revoking them and publishing CRLs.
 */
package dev.gatehouse.ca;
