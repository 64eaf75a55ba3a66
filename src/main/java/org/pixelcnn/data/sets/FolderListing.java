package org.pixelcnn.data.sets;

import org.pixelcnn.data.format.ImageFiles;
import org.pixelcnn.io.BadInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The images of one folder in a fixed order: either PNG/JPEG files directly in it (no labels), or in
 * class sub-folders one level down (label = class name). Files and folders are sorted by name; names
 * starting with '.' are skipped, as are files that are not .png/.jpg/.jpeg.
 *
 * @param dir     the folder
 * @param files   the image files, sorted (class by class when classes are present)
 * @param classes for each file its class folder name, or null when the images lie directly in {@code dir}
 */
record FolderListing(Path dir, List<Path> files, List<String> classes) {

    /**
     * Lists {@code dir}.
     *
     * @throws BadInputException naming the folder when it is missing, unreadable, holds no images, or mixes
     *                           images with class sub-folders that hold images
     */
    static FolderListing of(Path dir) {
        if (!Files.isDirectory(dir)) throw new BadInputException(dir + ": no such folder");
        List<Path> direct = new ArrayList<>();
        List<Path> classDirs = new ArrayList<>();
        for (Path p : sorted(dir)) {
            if (Files.isDirectory(p)) classDirs.add(p);
            else if (Files.isRegularFile(p) && ImageFiles.isImage(p)) direct.add(p);
        }
        List<Path> files = new ArrayList<>();
        List<String> classes = new ArrayList<>();
        for (Path c : classDirs) {
            for (Path p : sorted(c)) {
                if (Files.isRegularFile(p) && ImageFiles.isImage(p)) {
                    files.add(p);
                    classes.add(c.getFileName().toString());
                }
            }
        }
        if (!direct.isEmpty() && !files.isEmpty()) {
            throw new BadInputException(dir + ": holds images both directly and in class sub-folders; keep one layout");
        }
        if (direct.isEmpty() && files.isEmpty()) {
            throw new BadInputException(dir + ": no PNG or JPEG images in it (nor in sub-folders one level down)");
        }
        return direct.isEmpty() ? new FolderListing(dir, files, classes) : new FolderListing(dir, direct, null);
    }

    private static List<Path> sorted(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new BadInputException(dir + ": cannot list the folder (" + e.getMessage() + ")", e);
        }
    }
}
