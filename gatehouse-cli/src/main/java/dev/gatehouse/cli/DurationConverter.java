package dev.gatehouse.cli;

import dev.gatehouse.server.config.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A command-line duration as the configuration writes them ({@code 500ms}, {@code 30s}, {@code 1m30s}), or {@code 0}. */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return Durations.parse(value.trim(), Durations.FORM + ", or 0 for none");
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
