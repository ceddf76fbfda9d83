/**
 * The {@code gatehouse} command: one thin picocli class per command or verb that parses flags and calls
 * the libraries; usage and input errors exit 2.
 */
package dev.gatehouse.cli;
