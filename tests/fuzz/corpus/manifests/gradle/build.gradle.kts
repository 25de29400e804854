plugins {
    kotlin("jvm") version "2.1.0"
    `java-library`
}

group = "com.example"
version = "2.1.0"

kotlin {
    jvmToolchain(21)
}

dependencies {
    implementation("com.squareup.okhttp3:okhttp:4.12.0")
    implementation("com.fasterxml.jackson.module:jackson-module-kotlin:2.18.2")
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.9.0")
    testImplementation("org.junit.jupiter:junit-jupiter:5.11.4")
}

tasks.test {
    useJUnitPlatform()
}
