ThisBuild / scalaVersion := "3.5.2"
ThisBuild / organization := "com.example"

lazy val root = (project in file("."))
  .settings(
    name := "status-aggregator",
    libraryDependencies ++= Seq(
      "com.softwaremill.sttp.client4" %% "core" % "4.0.0-M19",
      "com.lihaoyi" %% "upickle" % "4.0.2",
      "org.scalameta" %% "munit" % "1.0.3" % Test
    )
  )
