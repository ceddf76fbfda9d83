package dev.gatehouse.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reports a leaked buffer ({@code LEAK:}). Registered for every test of this
 * module through {@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit.jupiter.extensions.autodetection.enabled=true}; the surefire configuration runs the tests
 * with {@code -Dio.netty.leakDetection.level=paranoid}.
 *
 * <p>It installs a {@link ResourceLeakDetectorFactory} whose detectors record every report (as well as
 * logging it). A leak is only detected once the leaked buffer is garbage-collected and a later allocation
 * polls the detector, so after each test class the extension forces a collection and a few allocations;
 * after each test it fails on any report recorded so far (possibly a leak of an earlier test of the
 * class: the message says so).
 */
public final class LeakDetectionExtension implements AfterEachCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                       long maxActive) {
                return new Recording<>(resource, samplingInterval);
            }
        });
    }

    /** Installs the recording factory (class initialisation does it; this only makes sure it ran). */
    public static void install() {
        // static initialiser
    }

    /** Reports recorded since the last check, and forgets them. */
    public static List<String> takeLeaks() {
        List<String> out = new ArrayList<>(LEAKS);
        LEAKS.removeAll(out);
        return out;
    }

    /** Makes collected leaked buffers reported now: a collection, then allocations that poll the detectors. */
    public static void collectAndPoll() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < 64; i++) {
                ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(16);
                b.release();
                ByteBuf h = ByteBufAllocator.DEFAULT.heapBuffer(16);
                h.release();
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check("after " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        collectAndPoll();
        check("after the tests of " + context.getDisplayName());
    }

    private static void check(String when) {
        List<String> leaks = takeLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError("Netty reported " + leaks.size() + " leak(s) " + when
                    + " (the leak may come from an earlier test of the same class):\n" + String.join("\n\n", leaks));
        }
    }

    private static final class Recording<T> extends ResourceLeakDetector<T> {
        Recording(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it's garbage-collected." + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + ".release() was not called before it's garbage-collected.");
            super.reportUntracedLeak(resourceType);
        }
    }
}
