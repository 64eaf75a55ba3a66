package org.pixelcnn.cli;

import org.pixelcnn.io.BadInputException;
import org.pixelcnn.model.ModelConfig;
import org.pixelcnn.model.layers.Nonlinearity;
import picocli.CommandLine.Option;

/** The model flags of train.py, shared by train, info and bench (same names, short forms and defaults). */
public final class ModelOptions {
    @Option(names = {"-q", "--nr_resnet"}, defaultValue = "5", description = "Residual blocks per stage (default ${DEFAULT-VALUE})")
    int nrResnet;

    @Option(names = {"-n", "--nr_filters"}, defaultValue = "160", description = "Filters of every stream (default ${DEFAULT-VALUE})")
    int nrFilters;

    @Option(names = {"-m", "--nr_logistic_mix"}, defaultValue = "10", description = "Logistic components in the mixture (default ${DEFAULT-VALUE})")
    int nrLogisticMix;

    @Option(names = {"-z", "--resnet_nonlinearity"}, defaultValue = "concat_elu", description = "concat_elu, elu or relu (default ${DEFAULT-VALUE})")
    String resnetNonlinearity;

    @Option(names = {"-p", "--dropout_p"}, defaultValue = "0.5", description = "Dropout strength, 1 - keep_prob (default ${DEFAULT-VALUE})")
    float dropoutP;

    /** @throws BadInputException naming the flag that is out of range */
    ModelConfig toConfig(int height, int width, int channels, int numClasses) {
        Nonlinearity nl;
        try {
            nl = Nonlinearity.parse(resnetNonlinearity);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--resnet_nonlinearity: " + e.getMessage());
        }
        if (nrResnet < 0) throw new BadInputException("--nr_resnet must be >= 0, not " + nrResnet);
        if (nrFilters < 1) throw new BadInputException("--nr_filters must be >= 1, not " + nrFilters);
        if (nrLogisticMix < 1) throw new BadInputException("--nr_logistic_mix must be >= 1, not " + nrLogisticMix);
        if (!(dropoutP >= 0 && dropoutP < 1)) throw new BadInputException("--dropout_p must be in [0, 1), not " + dropoutP);
        try {
            return new ModelConfig(nrResnet, nrFilters, nrLogisticMix, nl, height, width, channels, numClasses, dropoutP);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }
}
