package org.jpac.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Windows that follow the image's size. */
class CrfGeometryTest {

    @Test
    void dilationsScaleWithTheImageSide() {
        CrfGeometry g = CrfGeometry.scaled(CrfGeometry.VOC_SIDE);
        assertEquals(16, g.dilation(16, 375, 500));
        assertEquals(64, g.dilation(64, 500, 375));
        assertEquals(8, g.dilation(16, 188, 250));
        assertEquals(128, g.dilation(64, 750, 1000));
        assertEquals(1, g.dilation(16, 16, 16)); // never below 1
        assertEquals(2.0, g.factor(750, 1000), 1e-9);
        CrfGeometry fixed = CrfGeometry.fixed();
        assertFalse(fixed.isScaled());
        assertEquals(16, fixed.dilation(16, 4000, 3000));
        assertEquals(1.0, fixed.factor(4000, 3000));
    }

    @Test
    void metadataRoundTrips() {
        CrfGeometry g = CrfGeometry.scaled(433.0);
        assertEquals(g, CrfGeometry.parse(g.metadata()));
        assertEquals(CrfGeometry.fixed(), CrfGeometry.parse(null));
        assertEquals(CrfGeometry.fixed(), CrfGeometry.parse("fixed"));
        assertThrows(IllegalArgumentException.class, () -> CrfGeometry.parse("scaled:abc"));
        assertThrows(IllegalArgumentException.class, () -> CrfGeometry.parse("scaled:-1"));
        assertThrows(IllegalArgumentException.class, () -> CrfGeometry.parse("big"));
        assertThrows(IllegalArgumentException.class, () -> new CrfGeometry(Double.NaN));
    }
}
