/**
 * A Jakarta Servlet filter that turns a certificate forwarded by a trusted proxy into the
 * {@code jakarta.servlet.request.X509Certificate} attribute, so container and Spring Security X.509
 * authentication work behind the proxy.
 */
package dev.gatehouse.clientcert.servlet;
