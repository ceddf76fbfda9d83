/**
 * Live reload: what starts one (a change to the configuration file or any file it names, noticed by
 * {@link dev.gatehouse.server.reload.FileWatcher}) and what it reports
 * ({@link dev.gatehouse.server.reload.ReloadResult}). The reload itself, building a new runtime state
 * and swapping it in, is {@link dev.gatehouse.server.Gateway#reload()}.
 */
package dev.gatehouse.server.reload;
