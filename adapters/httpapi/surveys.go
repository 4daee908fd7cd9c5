package httpapi

import (
	"errors"
	"net/http"

	"github.com/masteryledger/ledger/domain"
)

// SurveyInstruments is the answer of GET
// /v1/schools/{schoolId}/survey-instruments: every version of every
// instrument of the school, by instrument id and then version.
type SurveyInstruments struct {
	Instruments []domain.SurveyInstrumentPublished `json:"instruments"`
}

// SurveyInstrument is the answer of GET
// /v1/schools/{schoolId}/survey-instruments/{instrumentId}: the
// instrument's versions, oldest first.
type SurveyInstrument struct {
	InstrumentID string                             `json:"instrumentId"`
	Versions     []domain.SurveyInstrumentPublished `json:"versions"`
}

func (s *Server) publishSurveyInstrument(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var c domain.PublishSurveyInstrument
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.PublishSurveyInstrument(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

func (s *Server) openSurveyRound(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	var c domain.OpenSurveyRound
	actor, _, err := command(r, &c)
	if err != nil {
		return err
	}
	c.Actor = actor
	rec, err := s.cfg.Service.OpenSurveyRound(r.Context(), school, c)
	return s.written(w, r, rec, err)
}

// An instrument's wording is the school's catalog, about no one: every
// role that reads the school's figures reads it as it is, researchers
// included (docs/research.md).
func (s *Server) listSurveyInstruments(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	if s.cfg.Efficacy == nil {
		return errors.New("the efficacy read model is not configured")
	}
	list, err := s.cfg.Efficacy.Instruments(school)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, SurveyInstruments{Instruments: list})
	return nil
}

func (s *Server) getSurveyInstrument(w http.ResponseWriter, r *http.Request) error {
	school, _ := pathID(r, "schoolId")
	id, err := pathID(r, "instrumentId")
	if err != nil {
		return err
	}
	if s.cfg.Efficacy == nil {
		return errors.New("the efficacy read model is not configured")
	}
	versions, err := s.cfg.Efficacy.Instrument(school, id)
	if err != nil {
		return err
	}
	writeJSON(w, r, http.StatusOK, SurveyInstrument{InstrumentID: id, Versions: versions})
	return nil
}
