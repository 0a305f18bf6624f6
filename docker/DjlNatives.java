import ai.djl.engine.Engine;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.ndarray.NDManager;

/**
 * Image build step: unpacks DJL's native libraries (PyTorch from pytorch-native-cpu, the
 * tokenizers JNI library) out of the dependency jars into ENGINE_CACHE_DIR, so the running
 * gateway never extracts or downloads them. Run with the runtime class path and
 * -Dai.djl.offline=true; it fails if either library cannot be loaded.
 */
public final class DjlNatives {
    public static void main(String[] args) {
        Engine engine = Engine.getEngine("PyTorch");
        try (NDManager manager = engine.newBaseManager()) {
            manager.ones(new ai.djl.ndarray.types.Shape(2, 2)).sum();
        }
        LibUtils.checkStatus();
        System.out.println("DJL natives ready: " + engine.getEngineName() + " " + engine.getVersion());
    }
}
