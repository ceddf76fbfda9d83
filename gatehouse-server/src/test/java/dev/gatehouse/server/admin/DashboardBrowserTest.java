package dev.gatehouse.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.pki.testing.HeldCertificate;
import dev.gatehouse.server.config.ConfigParser;
import dev.gatehouse.server.e2e.TlsClients;
import dev.gatehouse.server.testing.EchoTarget;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's chromium, headless, driven through its own chromedriver
 * (Selenium is pointed at both, so it never downloads a browser or a driver). The page loads, shows the
 * listener and its certificates; a client is then refused, and the refusal appears on the page without the
 * page being reloaded. A screenshot is saved under {@code target/}.
 */
class DashboardBrowserTest {
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir
    Path dir;

    @Test
    void aRejectionAppearsOnTheOpenDashboardWithItsExplanation() throws Exception {
        assumeTrue(Files.isExecutable(CHROMEDRIVER), "chromium-driver is not installed (apt-get install chromium chromium-driver)");
        EchoTarget target = EchoTarget.start();
        HeldCertificate serverCa = HeldCertificate.builder().commonName("Dashboard Server CA").ca(0).build();
        HeldCertificate.builder().commonName("localhost").signedBy(serverCa).addSanDns("localhost").addSanIp("127.0.0.1")
                .serverAuth().build().writeTo(dir, "server");
        HeldCertificate root = HeldCertificate.builder().commonName("Dashboard Client CA").ca(0).build();
        HeldCertificate stranger = HeldCertificate.builder().commonName("Somebody Else's CA").ca(0).build();
        HeldCertificate intruder = HeldCertificate.builder().commonName("intruder").signedBy(stranger).clientAuth().build();
        Files.writeString(dir.resolve("clients-ca.pem"), root.certificatePem());
        Files.writeString(dir.resolve("gatehouse.yaml"), """
                listeners:
                  - name: partners
                    address: 127.0.0.1:0
                    tls: { certificates: [ { certificate: server.pem, private_key: server.key } ] }
                    mutual_authentication: { mode: verify, trust_store: clients }
                    default_action: { forward: echo }
                trust_stores:
                  clients: { ca_certificates: clients-ca.pem }
                target_groups:
                  echo: { targets: [ "%s" ] }
                admin: { address: 127.0.0.1:0 }
                """.formatted(target.address()));
        GatewayProcess process = GatewayProcess.start(ConfigParser.parse(dir.resolve("gatehouse.yaml")));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            browser.get("http://127.0.0.1:" + process.admin().port() + "/");
            WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
            wait.until(b -> b.findElement(By.id("listeners")).getText().contains("partners"));
            assertThat(browser.findElement(By.id("listeners")).getText()).contains("verify", "clients");
            assertThat(browser.findElement(By.id("readiness")).getText()).isEqualTo("serving");
            assertThat(browser.findElements(By.cssSelector("#expiry g.certificate"))).hasSize(2);
            assertThat(browser.findElements(By.cssSelector("#rejections tr"))).isEmpty();
            Object marker = browser.executeScript("window.notReloaded = 'yes'; return window.notReloaded;");
            assertThat(marker).isEqualTo("yes");

            try (SSLSocket s = TlsClients.connect(TlsClients.context(intruder, serverCa.certificate()),
                    process.gateway().boundPort("partners"))) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes());
                s.getInputStream().read();
            } catch (IOException refused) {
                // expected: the handshake is refused
            }

            wait.until(b -> !b.findElements(By.cssSelector("#rejections tr[data-code='ClientCertUntrusted']")).isEmpty());
            WebElement latest = browser.findElement(By.cssSelector("#rejections tr[data-code='ClientCertUntrusted']"));
            assertThat(latest.getText()).contains("CN=intruder", "partners");
            assertThat(latest.findElement(By.className("step")).getText()).contains("fail");
            wait.until(b -> !b.findElements(By.cssSelector("#chart rect[data-code='ClientCertUntrusted']")).isEmpty());
            assertThat(browser.findElement(By.id("legend")).getText()).contains("ClientCertUntrusted");
            assertThat(browser.executeScript("return window.notReloaded;")).as("the page was not reloaded").isEqualTo("yes");

            File shot = browser.getScreenshotAs(OutputType.FILE);
            Path saved = Path.of("target", "dashboard.png");
            Files.createDirectories(saved.getParent());
            Files.copy(shot.toPath(), saved, StandardCopyOption.REPLACE_EXISTING);
            assertThat(Files.size(saved)).isPositive();
            List<WebElement> errors = browser.findElements(By.cssSelector("#error"));
            assertThat(errors.get(0).getText()).isEmpty();
        } finally {
            browser.quit();
            process.stop(Duration.ofSeconds(2));
            target.close();
        }
    }
}
