package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jpac.Tensor;
import org.jpac.io.images.Image;
import org.jpac.nn.CompatType;
import org.jpac.nn.PacCRF;
import org.jpac.nn.PairwiseKernel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and running models through org.jpac.model, as an application would. */
class ModelApiTest {

    /** A 64x48 scene: two depth planes split by a vertical edge that the guide's colour also shows. */
    private static Image guide() {
        int h = 48;
        int w = 64;
        float[] d = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    d[(c * h + y) * w + x] = x < 27 ? 0.2f + 0.1f * c : 0.8f - 0.1f * c;
                }
            }
        }
        return Image.of(d, 3, h, w);
    }

    private static Image lowDepth() {
        int h = 6;
        int w = 8;
        float[] d = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                d[y * w + x] = (x * 8 + 4) < 27 ? 1.5f : 4.0f; // metres
            }
        }
        return Image.of(d, 1, h, w);
    }

    @Test
    void theBundledUpsamplerRunsOnImagesAndTensorsAlike() {
        try (DepthUpsampler up = DepthUpsampler.bundled(8)) {
            assertEquals(8, up.factor());
            assertTrue(up.scalesTarget(), "the bundled model's metadata asks for min/max scaling");
            Image out = up.upsample(guide(), lowDepth());
            assertEquals(1, out.channels());
            assertEquals(48, out.height());
            assertEquals(64, out.width());
            // in the input's unit and range: near 1.5 m on the left, 4 m on the right
            assertEquals(1.5, out.get(0, 24, 5), 0.3);
            assertEquals(4.0, out.get(0, 24, 60), 0.3);
            try (Tensor g = guide().toTensor(); Tensor l = lowDepth().toTensor(); Tensor t = up.upsample(g, l);
                 Tensor into = Tensor.empty(1, 1, 48, 64)) {
                assertArrayEquals(out.data(), t.toArray());
                up.upsample(g, l, into);
                assertArrayEquals(out.data(), into.toArray());
            }
        }
    }

    @Test
    void aPathAndAStreamLoadTheSameModelAsTheBundledOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x8.safetensors");
        try (InputStream in = BundledModels.class.getResourceAsStream(BundledModels.resource("pac_upsample_x8"))) {
            Files.copy(in, file);
        }
        float[] want;
        try (DepthUpsampler up = DepthUpsampler.bundled(8)) {
            want = up.upsample(guide(), lowDepth()).data();
        }
        try (DepthUpsampler up = DepthUpsampler.load(file)) {
            assertArrayEquals(want, up.upsample(guide(), lowDepth()).data());
        }
        try (InputStream in = Files.newInputStream(file); DepthUpsampler up = DepthUpsampler.load(in, "stream")) {
            assertArrayEquals(want, up.upsample(guide(), lowDepth()).data());
            assertTrue(up.toString().contains("stream"), up.toString());
        }
    }

    @Test
    void aDamagedStreamIsAnIOExceptionNamingTheStream() {
        byte[] junk = "not a weight file at all, just some bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        IOException e = assertThrows(IOException.class,
                () -> DepthUpsampler.load(new java.io.ByteArrayInputStream(junk), "my-stream"));
        assertTrue(e.getMessage().contains("my-stream") && !e.getMessage().contains("jpac-model-"), e.getMessage());
    }

    @Test
    void unknownFactorsAndMetadataAreRefusedClearly() {
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> DepthUpsampler.bundled(3));
        assertTrue(f.getMessage().startsWith("factor: "), f.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class, () -> BundledModels.read("nope"));
        assertTrue(n.getMessage().contains("pac_upsample_x8"), n.getMessage());
    }

    /** The bundled CRF's edge features are Y, X and three colours: a 5-channel image is refused up front. */
    @Test
    void anImageOfAnotherChannelCountIsRefusedNamingIt() {
        try (CrfRefiner crf = CrfRefiner.bundled(4); Tensor image = Tensor.allocate(1, 5, 48, 64);
             Tensor grey = Tensor.allocate(1, 1, 48, 64); Tensor scores = Tensor.allocate(1, 4, 48, 64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> crf.refine(image, scores));
            assertTrue(e.getMessage().startsWith("image: expected [B, 3 (or 1, grey), H, W]"), e.getMessage());
            crf.refine(grey, scores).close();
        }
    }

    @Test
    void theBundledCrfIsRetargetedToTheCallersClasses() {
        int classes = 21;
        try (CrfRefiner crf = CrfRefiner.bundled(classes);
             Tensor image = guide().toTensor(); Tensor scores = Tensor.allocate(1, classes, 48, 64)) {
            scores.set(3f, 0, 7, 10, 10);
            try (Tensor p = crf.refine(image, scores)) {
                assertEquals(classes, p.dim(1));
                float sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += p.get(0, c, 10, 10);
                }
                assertEquals(1f, sum, 1e-4f);
            }
        }
    }

    @Test
    void aCrfWithPerClassFiltersMustMatchTheClasses(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("crf4d.safetensors");
        try (PacCRF crf = PacCRF.builder(3, 2).seed(1)
                .pairwiseKernel(new PairwiseKernel(5, 4, 1, CompatType.FOUR_D, false, 1)).build()) {
            java.util.Map<String, String> md = new java.util.LinkedHashMap<>();
            md.put("model", "PacCRF");
            md.put("args", "{\"channels\": 3, \"num_steps\": 2, \"pairwise_kernels\": [{\"kernel_size\": 5,"
                    + " \"dilation\": 4, \"compat_type\": \"4d\"}]}");
            org.jpac.io.SafeTensors.write(file, crf.parameters(), md);
        }
        try (CrfRefiner same = CrfRefiner.load(file, 3)) {
            assertEquals(3, same.classes());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrfRefiner.load(file, 5));
        assertTrue(e.getMessage().contains("for 3 classes") && e.getMessage().contains("cannot refine 5"),
                e.getMessage());
    }

    @Test
    void crfMetadataWithAnUnknownValueIsRefusedNamingTheKey(@TempDir Path dir) throws IOException {
        // before: crf.unary 'weird' silently turned calibration off; scaled:0 said only "side: must be > 0"
        String[][] cases = {
            {"crf.unary", "weird", "crf.unary: expected 'calibrated' (or no crf.unary for the scores as given), "
                    + "got 'weird'"},
            {"crf.geometry", "scaled:0", "crf.geometry: expected 'fixed' or 'scaled:SIDE' with SIDE > 0, got "
                    + "'scaled:0'"},
        };
        for (String[] c : cases) {
            Path file = dir.resolve(c[0] + ".safetensors");
            try (PacCRF crf = PacCRF.builder(3, 1).seed(1).build()) {
                java.util.Map<String, String> md = new java.util.LinkedHashMap<>();
                md.put("model", "PacCRF");
                md.put("args", "{\"channels\": 3, \"num_steps\": 1}");
                md.put(c[0], c[1]);
                org.jpac.io.SafeTensors.write(file, crf.parameters(), md);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CrfRefiner.load(file, 3));
            assertEquals("weights " + file + ": " + c[2], e.getMessage());
        }
    }
}
