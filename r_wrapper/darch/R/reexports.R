# darch's API, implemented in rpud on the pyrpudl engine, exported again under this package's name,
# so that darch::newDArch() works as well as library(darch).

#' @importFrom rpud "setBatchSize<-"
#' @export
rpud::"setBatchSize<-"

#' @importFrom rpud "setErrorFunction<-"
#' @export
rpud::"setErrorFunction<-"

#' @importFrom rpud "setExecuteFunction<-"
#' @export
rpud::"setExecuteFunction<-"

#' @importFrom rpud "setFinalMomentum<-"
#' @export
rpud::"setFinalMomentum<-"

#' @importFrom rpud "setFineTuneFunction<-"
#' @export
rpud::"setFineTuneFunction<-"

#' @importFrom rpud "setInitialMomentum<-"
#' @export
rpud::"setInitialMomentum<-"

#' @importFrom rpud "setLayer<-"
#' @export
rpud::"setLayer<-"

#' @importFrom rpud "setLayerFunction<-"
#' @export
rpud::"setLayerFunction<-"

#' @importFrom rpud "setLayerWeights<-"
#' @export
rpud::"setLayerWeights<-"

#' @importFrom rpud "setLayers<-"
#' @export
rpud::"setLayers<-"

#' @importFrom rpud "setLearnRateBiases<-"
#' @export
rpud::"setLearnRateBiases<-"

#' @importFrom rpud "setLearnRateWeights<-"
#' @export
rpud::"setLearnRateWeights<-"

#' @importFrom rpud "setMomentumSwitch<-"
#' @export
rpud::"setMomentumSwitch<-"

#' @importFrom rpud DEBUG
#' @export
rpud::DEBUG

#' @importFrom rpud ERROR
#' @export
rpud::ERROR

#' @importFrom rpud FATAL
#' @export
rpud::FATAL

#' @importFrom rpud INFO
#' @export
rpud::INFO

#' @importFrom rpud TRACE
#' @export
rpud::TRACE

#' @importFrom rpud WARN
#' @export
rpud::WARN

#' @importFrom rpud addLayer
#' @export
rpud::addLayer

#' @importFrom rpud backpropagation
#' @export
rpud::backpropagation

#' @importFrom rpud binSigmoidUnit
#' @export
rpud::binSigmoidUnit

#' @importFrom rpud crossEntropyError
#' @export
rpud::crossEntropyError

#' @importFrom rpud darch
#' @export
rpud::darch

#' @importFrom rpud fineTuneDArch
#' @export
rpud::fineTuneDArch

#' @importFrom rpud generateWeights
#' @export
rpud::generateWeights

#' @importFrom rpud getBatchSize
#' @export
rpud::getBatchSize

#' @importFrom rpud getErrorFunction
#' @export
rpud::getErrorFunction

#' @importFrom rpud getExecOutput
#' @export
rpud::getExecOutput

#' @importFrom rpud getExecOutputs
#' @export
rpud::getExecOutputs

#' @importFrom rpud getExecuteFunction
#' @export
rpud::getExecuteFunction

#' @importFrom rpud getFinalMomentum
#' @export
rpud::getFinalMomentum

#' @importFrom rpud getFineTuneFunction
#' @export
rpud::getFineTuneFunction

#' @importFrom rpud getInitialMomentum
#' @export
rpud::getInitialMomentum

#' @importFrom rpud getLayer
#' @export
rpud::getLayer

#' @importFrom rpud getLayerFunction
#' @export
rpud::getLayerFunction

#' @importFrom rpud getLayerWeights
#' @export
rpud::getLayerWeights

#' @importFrom rpud getLayers
#' @export
rpud::getLayers

#' @importFrom rpud getLearnRateBiases
#' @export
rpud::getLearnRateBiases

#' @importFrom rpud getLearnRateWeights
#' @export
rpud::getLearnRateWeights

#' @importFrom rpud getMomentumSwitch
#' @export
rpud::getMomentumSwitch

#' @importFrom rpud getRBMList
#' @export
rpud::getRBMList

#' @importFrom rpud getStats
#' @export
rpud::getStats

#' @importFrom rpud linearUnit
#' @export
rpud::linearUnit

#' @importFrom rpud linearUnitDerivative
#' @export
rpud::linearUnitDerivative

#' @importFrom rpud loadDArch
#' @export
rpud::loadDArch

#' @importFrom rpud minimizeAutoencoder
#' @export
rpud::minimizeAutoencoder

#' @importFrom rpud minimizeClassifier
#' @export
rpud::minimizeClassifier

#' @importFrom rpud mseError
#' @export
rpud::mseError

#' @importFrom rpud newDArch
#' @export
rpud::newDArch

#' @importFrom rpud newRBM
#' @export
rpud::newRBM

#' @importFrom rpud preTrainDArch
#' @export
rpud::preTrainDArch

#' @importFrom rpud quadraticError
#' @export
rpud::quadraticError

#' @importFrom rpud rpropagation
#' @export
rpud::rpropagation

#' @importFrom rpud runDArch
#' @export
rpud::runDArch

#' @importFrom rpud saveDArch
#' @export
rpud::saveDArch

#' @importFrom rpud sigmoidUnit
#' @export
rpud::sigmoidUnit

#' @importFrom rpud sigmoidUnitDerivative
#' @export
rpud::sigmoidUnitDerivative

#' @importFrom rpud softmaxUnit
#' @export
rpud::softmaxUnit

#' @importFrom rpud softmaxUnitDerivative
#' @export
rpud::softmaxUnitDerivative

#' @importFrom rpud tanhUnit
#' @export
rpud::tanhUnit

#' @importFrom rpud tanhUnitDerivative
#' @export
rpud::tanhUnitDerivative

#' @importFrom rpud trainRBM
#' @export
rpud::trainRBM

