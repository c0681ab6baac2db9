package org.jpac.io.images;

import java.nio.file.Path;
import java.util.Locale;

/** The file formats of {@link Images}, recognised by file name extension (writing) or content (reading). */
public enum ImageFormat {
    /** PNG, 8 or 16 bits per sample, grey, grey+alpha, RGB, RGBA or palette. */
    PNG("png"),
    /** NumPy {@code .npy}: float32, float64, uint8 or uint16, C order. */
    NPY("npy"),
    /** Portable float map: {@code PF} (RGB) or {@code Pf} (grey), float32. */
    PFM("pfm");

    private final String extension;

    ImageFormat(String extension) {
        this.extension = extension;
    }

    /** The usual file name extension, without the dot. */
    public String extension() {
        return extension;
    }

    /** The format a file name's extension names (case-insensitive), or null when it names none. */
    public static ImageFormat fromExtension(Path file) {
        Path name = file == null ? null : file.getFileName();
        if (name == null) {
            return null;
        }
        String n = name.toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        if (dot < 0) {
            return null;
        }
        String ext = n.substring(dot + 1);
        for (ImageFormat f : values()) {
            if (f.extension.equals(ext)) {
                return f;
            }
        }
        return null;
    }
}
