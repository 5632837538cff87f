package adsml.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rule of docs/ARCHITECTURE.md, checked on the production classes of every module (test classes are not
 * imported). Modules, bottom to top: platform, gpu-scheduler, actors, http-api (routes, then the composition root, then
 * the command line and the demo); the load generator stands alone; the tests module ({@code adsml.bench} and the tests)
 * may use everything. Each rule is an explicit "no classes ... should depend on ..." so that a failure names the class,
 * the dependency and the line.
 */
@AnalyzeClasses(packages = "adsml", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    private static final String PLATFORM = "adsml.platform..";
    private static final String SCHEDULER = "adsml.scheduler..";
    private static final String ACTORS = "adsml.actors..";
    private static final String ROUTES = "adsml.http..";
    private static final String SERVER = "adsml.server..";
    private static final String CLI = "adsml.cli..";
    private static final String DEMO = "adsml.demo..";
    private static final String SIMULATE = "adsml.simulate..";
    private static final String LOAD = "adsml.load..";
    private static final String BENCH = "adsml.bench..";
    private static final String OFFLINE = "adsml.platform.offline..";

    // ---- Modules: dependencies point one way, downwards ----

    @ArchTest
    static final ArchRule platformDependsOnNoModuleAbove = noClasses()
            .that()
            .resideInAPackage(PLATFORM)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(SCHEDULER, ACTORS, ROUTES, SERVER, CLI, DEMO, SIMULATE, LOAD, BENCH)
            .because("platform is the bottom module: the domain, features, models, scoring and stores are"
                    + " plain Java that every other module builds on and that runs without actors or HTTP");

    @ArchTest
    static final ArchRule schedulerDependsOnlyOnPlatform = noClasses()
            .that()
            .resideInAPackage(SCHEDULER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ACTORS, ROUTES, SERVER, CLI, DEMO, SIMULATE, LOAD, BENCH)
            .because("gpu-scheduler batches scoring work for devices and knows nothing of the actors that"
                    + " submit it or of the HTTP API");

    @ArchTest
    static final ArchRule actorsDoNotDependOnHttpApi = noClasses()
            .that()
            .resideInAPackage(ACTORS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(ROUTES, SERVER, CLI, DEMO, SIMULATE, LOAD, BENCH)
            .because("the actors are the serving pipeline; the HTTP routes, the composition root and the"
                    + " command line sit above them and call them, never the reverse");

    @ArchTest
    static final ArchRule routesDoNotDependOnServerCliDemoOrLoad = noClasses()
            .that()
            .resideInAPackage(ROUTES)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(SERVER, CLI, DEMO, SIMULATE, LOAD, BENCH)
            .because("routes are handed what they need by the composition root (adsml.server); they do not"
                    + " reach up to it, to the command line, to the demo or to the load generator");

    @ArchTest
    static final ArchRule serverDoesNotDependOnCliDemoOrLoad = noClasses()
            .that()
            .resideInAPackage(SERVER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, DEMO, SIMULATE, LOAD, BENCH)
            .because("the composition root wires the serving stack; the command line and the demo start it,"
                    + " so it must not depend on them or on the load generator");

    @ArchTest
    static final ArchRule loadGeneratorDependsOnNoOtherAdsmlPackage = noClasses()
            .that()
            .resideInAPackage(LOAD)
            .should()
            .dependOnClassesThat(resideInAPackage("adsml..").and(resideOutsideOfPackage(LOAD)))
            .because("the load generator is a black-box HTTP client: it must measure the server only"
                    + " through its API, so it shares no code with it");

    // ---- Serving apart from offline ----

    @ArchTest
    static final ArchRule servingDoesNotDependOnOffline = noClasses()
            .that()
            .resideInAnyPackage(PLATFORM, SCHEDULER, ACTORS, ROUTES, SERVER)
            .and()
            .resideOutsideOfPackage(OFFLINE)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(OFFLINE)
            .because("the world generator and its ground truth, the trainer, the evaluation and the offline"
                    + " metrics must never leak into serving; only the command line and the demo may use them");

    @ArchTest
    static final ArchRule trainingDoesNotDependOnEvaluation = noClasses()
            .that()
            .resideInAPackage("adsml.platform.offline.train..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("adsml.platform.offline.eval..")
            .because("evaluation judges what training produced; training must not depend on how it is judged");

    @ArchTest
    static final ArchRule platformPackagesAreFreeOfCycles = slices().matching("adsml.platform.(*)..")
            .should()
            .beFreeOfCycles()
            .because("each platform package (domain, features, index, model, scoring, ...) must be"
                    + " understandable and testable from the ones below it");

    @ArchTest
    static final ArchRule offlinePackagesAreFreeOfCycles = slices().matching("adsml.platform.offline.(*)..")
            .should()
            .beFreeOfCycles()
            .because("generator, train, eval and metrics stack on one another without cycles");

    // ---- The domain ----

    @ArchTest
    static final ArchRule domainDependsOnNoOtherAdsmlPackage = noClasses()
            .that()
            .resideInAPackage("adsml.platform.domain..")
            .should()
            .dependOnClassesThat(resideInAPackage("adsml..").and(resideOutsideOfPackage("adsml.platform.domain..")))
            .because("the domain types (ads, campaigns, users, requests) are the shared vocabulary of every"
                    + " module and must not drag any of them along");

    // ---- Adapters hide library types ----

    @ArchTest
    static final ArchRule jcudaOnlyInTheGpuAdapter = noClasses()
            .that()
            .resideOutsideOfPackages("adsml.scheduler.gpu..", BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("jcuda..")
            .because("JCuda is the GPU adapter's business: everything else sees only the scheduler's"
                    + " Device interface and must load and run without CUDA");

    @ArchTest
    static final ArchRule lettuceOnlyInTheCounterStores = noClasses()
            .that()
            .resideOutsideOfPackages("adsml.platform.counters..", BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.lettuce..")
            .because("Redis is one CounterStore among others: the rest reads counters through the interface");

    @ArchTest
    static final ArchRule parquetOnlyInTheFeatureLog = noClasses()
            .that()
            .resideOutsideOfPackages("adsml.platform.featurelog..", BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.parquet..")
            .because("the feature log's files are its own business: callers hand it rows and read rows back");

    @ArchTest
    static final ArchRule luceneOnlyInTheVectorIndex = noClasses()
            .that()
            .resideOutsideOfPackages("adsml.platform.index.ann..", BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.lucene..")
            .because(
                    "Lucene's HNSW is one index measured beside our own: callers see ad ids and filters, not documents");

    @ArchTest
    static final ArchRule djlOnlyInScoringModelAndTraining = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "adsml.platform.scoring..", "adsml.platform.model..", "adsml.platform.offline.train..", BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("ai.djl..")
            .because("DJL/PyTorch is the CPU scoring engine: it stays behind the Scorer interface (and the"
                    + " model format and the trainer) so that the rest of the code passes plain arrays");

    @ArchTest
    static final ArchRule pekkoOnlyInActorsAndHttpApi = noClasses()
            .that()
            .resideOutsideOfPackages(ACTORS, ROUTES, SERVER, CLI, BENCH)
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.pekko..")
            .because("Pekko is the serving runtime of the actors and the HTTP API; platform, the scheduler,"
                    + " the demo and the load generator are plain Java and must stay usable without it");
}
